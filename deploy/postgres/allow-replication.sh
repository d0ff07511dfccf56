#!/bin/bash
# Run once by the postgres image's entrypoint when it initialises the primary: lets the replica service
# stream from it (a replication connection matches no "all" line of pg_hba.conf).
set -euo pipefail
echo "host replication postgres all scram-sha-256" >> "$PGDATA/pg_hba.conf"
