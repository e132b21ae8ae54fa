#!/bin/sh
# Patroni's post_bootstrap (/etc/patroni/post-bootstrap.sh, executable by postgres): runs once, on the first
# primary, with a superuser connection string as $1. Creates the application's role and database. The password
# comes from CHIBO_DB_PASSWORD in /etc/patroni_env.conf (Debian's patroni.service reads that file).
# chibo reads pg_control_system() and pg_control_checkpoint() to notice a failover or a restore: grant them.
set -eu
: "${CHIBO_DB_PASSWORD:?set CHIBO_DB_PASSWORD in /etc/patroni_env.conf}"
psql -v ON_ERROR_STOP=1 -v pw="$CHIBO_DB_PASSWORD" "$1" <<'SQL'
CREATE ROLE chibo LOGIN PASSWORD :'pw';
CREATE DATABASE chibo OWNER chibo;
GRANT EXECUTE ON FUNCTION pg_control_system() TO chibo;
GRANT EXECUTE ON FUNCTION pg_control_checkpoint() TO chibo;
SQL
