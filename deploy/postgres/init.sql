-- One database per service: each service owns its data and its migrations.
CREATE DATABASE proposals;
CREATE DATABASE contributions;
CREATE DATABASE scoring;
CREATE DATABASE notifications;
CREATE DATABASE rules;
CREATE DATABASE identity;
