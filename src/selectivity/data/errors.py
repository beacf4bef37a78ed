class DatasetError(RuntimeError):
    """A dataset file is missing, truncated, corrupt or fails its checksum. The message names the
    file and says what to do."""
