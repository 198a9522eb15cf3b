"""scikit-learn estimators: neural, hybrid (deep -> classical), decision fusion, modality fusion."""
