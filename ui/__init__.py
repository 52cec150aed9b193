"""Desktop widgets: workflow dock, training monitor, dependency installer, sample data."""
