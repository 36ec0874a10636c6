#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised: one role and database per service
# (init.sql), with each role's password from the environment, never from a file in git.
set -eu
for service in proposals contributions scoring notifications rules identity management; do
    var="POSTGRES_$(echo "$service" | tr a-z A-Z)_PASSWORD"
    eval "value=\${$var:-}"
    case "$value" in
        ""|change-me|changeme|change_me|password|secret) echo "refusing: set a real $var" >&2; exit 1 ;;
    esac
done
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v proposals_password="$POSTGRES_PROPOSALS_PASSWORD" \
    -v contributions_password="$POSTGRES_CONTRIBUTIONS_PASSWORD" \
    -v scoring_password="$POSTGRES_SCORING_PASSWORD" \
    -v notifications_password="$POSTGRES_NOTIFICATIONS_PASSWORD" \
    -v rules_password="$POSTGRES_RULES_PASSWORD" \
    -v identity_password="$POSTGRES_IDENTITY_PASSWORD" \
    -v management_password="$POSTGRES_MANAGEMENT_PASSWORD" \
    -f /etc/cocreate/init.sql
