"""A test Cloud Function that cannot even be imported, to see start-up fail."""

raise ImportError("this test function is broken on purpose")
