"""Statistical tests, sensitivity analysis and explanations of fitted pipelines."""
