"""How well a prospectivity map predicts held-out deposits."""
