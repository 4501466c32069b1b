"""Code that more than one app needs."""
