"""Stand-ins for outside services that the tests drive over loopback."""
