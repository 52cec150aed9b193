"""The CNN: network, patches, spatial splits, training, the estimator, model files. The only torch user."""
