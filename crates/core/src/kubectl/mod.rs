//! kubectl: command-line parsing, the commands, and the printers (tables, YAML, JSON,
//! describe), all talking to the cluster only through the API server.
