"""File formats of the pipeline's tables and arrays: for each, its columns (or keys), writer,
reader and checks, and nothing that computes. Modules here are no code inputs of any rule (see
``selectivity.code_inputs``): a change to a format shows in the files themselves."""
