"""Stand-in for the get-pip.py bootstrap script that ansible-test downloads for its sanity virtualenvs.

This machine reaches PyPI but not the host serving get-pip.py, so scripts/sanity places this file in
ansible-test's cache: it installs the interpreter's bundled pip with ensurepip, then lets pip install
the exact packages ansible-test asked for (pinned by ansible-test, e.g. pip==24.2) from PyPI.
"""

from __future__ import annotations

import subprocess
import sys

# In a child process: ensurepip disables pip's configuration (PIP_CONFIG_FILE=/dev/null) in the process
# that runs it, and this machine's pip configuration (CA bundle, local indexes) must stay in force.
subprocess.check_call([sys.executable, "-m", "ensurepip"])
ARGS = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--upgrade", *ARGS]))
