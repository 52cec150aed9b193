"""Sample points to grids: IDW, ordinary kriging, variograms, cross-validation."""
