"""Files kept by key (`recordings/<workspace>/<contact>/<call>.wav`, `uploads/...`): in the data
directory, or in an S3-compatible bucket that every process shares. `service.get_storage()` is
the process's store; `base` says what every store does."""
