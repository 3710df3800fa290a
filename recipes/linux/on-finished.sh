#!/bin/sh
# Run once by `batchai advance --hook` when the job is final and its results are written. Everything it needs comes
# in environment variables; a non-zero exit makes the advance fail, and the next advance runs the hook again.
set -eu
logger -t batchai "job $BATCHAI_JOB_ID ($BATCHAI_JOB_NAME): $BATCHAI_OUTCOME, $BATCHAI_SUCCEEDED of $BATCHAI_TOTAL succeeded, results in $BATCHAI_OUTPUT"
if [ "$BATCHAI_OUTCOME" = "finished-with-failures" ]; then
  logger -t batchai -p user.warning "job $BATCHAI_JOB_ID: $BATCHAI_UNSUCCESSFUL record(s) did not succeed; why: $BATCHAI_ERROR_LOG"
fi
