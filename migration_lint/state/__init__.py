"""The project state a migration history builds, replayed without importing Django."""
