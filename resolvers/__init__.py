"""The district's rules as plain functions: no GraphQL in here."""
