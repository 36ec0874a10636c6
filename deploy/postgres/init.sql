-- One database and one role per service: each service connects as its own role, owns its own
-- database (and migrates it), and cannot connect to another's. No service gets the superuser.
-- The passwords come from the environment: init-roles.sh passes them as psql variables.
\set ON_ERROR_STOP on
CREATE ROLE proposals LOGIN PASSWORD :'proposals_password';
CREATE DATABASE proposals OWNER proposals;
REVOKE ALL ON DATABASE proposals FROM PUBLIC;
CREATE ROLE contributions LOGIN PASSWORD :'contributions_password';
CREATE DATABASE contributions OWNER contributions;
REVOKE ALL ON DATABASE contributions FROM PUBLIC;
CREATE ROLE scoring LOGIN PASSWORD :'scoring_password';
CREATE DATABASE scoring OWNER scoring;
REVOKE ALL ON DATABASE scoring FROM PUBLIC;
CREATE ROLE notifications LOGIN PASSWORD :'notifications_password';
CREATE DATABASE notifications OWNER notifications;
REVOKE ALL ON DATABASE notifications FROM PUBLIC;
CREATE ROLE rules LOGIN PASSWORD :'rules_password';
CREATE DATABASE rules OWNER rules;
REVOKE ALL ON DATABASE rules FROM PUBLIC;
CREATE ROLE identity LOGIN PASSWORD :'identity_password';
CREATE DATABASE identity OWNER identity;
REVOKE ALL ON DATABASE identity FROM PUBLIC;
CREATE ROLE management LOGIN PASSWORD :'management_password';
CREATE DATABASE management OWNER management;
REVOKE ALL ON DATABASE management FROM PUBLIC;
