"""The catalogue: the course, its modules and their immutable versions, lessons and questions;
the content bundle format (read, validate, write); import and export."""
