"""Code both deployable functions share: the event, its binding, keys, settings."""
