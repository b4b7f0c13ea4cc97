"""Deploy the pipeline to real AWS and Google Cloud, and tear it down again.

`main(["deploy", "--dry-run"])` prints the whole plan; see `lab_support.deploy.cli`.
"""

from lab_support.deploy.cli import main

__all__ = ["main"]
