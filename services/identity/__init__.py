"""The identity service: API tokens (hashed) and the geography that scopes resolve against."""
