"""Classic learners beside the CNN: per-cell features, tree ensembles and logistic regression (fitted with
scikit-learn, predicted from plain arrays), weights of evidence, and their spatial comparison."""
