"""The outpack location server: an outpack root on disk, indexed in the database, over HTTP."""
