"""Errors with messages meant for the person running the pipeline (the CLI prints them without a
traceback). Kept free of heavy imports so every command can catch them."""


class DatasetError(RuntimeError):
    """A dataset file is missing, truncated, corrupt or fails its checksum. The message names the
    file and says what to do."""


class InputError(RuntimeError):
    """A file a stage reads is missing, unreadable (truncated, corrupt) or incomplete (missing
    layers, units, rows or columns). The message names the file and says how to rebuild it."""


class NonFiniteLossError(RuntimeError):
    """The training loss became NaN or infinite; the message names the run and the epoch."""


class Preempted(RuntimeError):
    """SIGTERM or SIGUSR1 (SLURM preemption, time limit, scancel) arrived during training. The state
    of the last saved epoch is on disk; starting the run again resumes from it."""

    exit_code = 75  # EX_TEMPFAIL: try again
