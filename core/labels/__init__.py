"""Semi-supervised pseudo-labels: from a few labelled points to a labelled map."""
