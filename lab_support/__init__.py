"""The course's own package: the local cloud, the demo, checks and deployment."""
