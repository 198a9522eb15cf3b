"""Dataset loaders and downloader, modalities, preprocessing."""
