"""Settings for the test suite: the real settings, with a throwaway key and data directory."""

import os
import tempfile

os.environ.setdefault("ZHILI_SECRET_KEY", "test-only-key-" + "x" * 40)
os.environ.setdefault("ZHILI_DATA_DIR", tempfile.mkdtemp(prefix="zhili-test-"))

from zhili.settings import *  # noqa: F403

ALLOWED_HOSTS = ["*"]
# Argon2 stays the production hasher; tests use a fast one so that hundreds of logins stay quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405

# pytest-xdist's workers inherit the first process's data directory; each keeps its uploads apart, so that a test
# counting the files stored (nothing stored on a refusal) never sees another worker's upload of the same moment
if (_worker := os.environ.get("PYTEST_XDIST_WORKER")) and not os.environ.get("ZHILI_MEDIA_ROOT"):
    MEDIA_ROOT = MEDIA_ROOT / _worker  # noqa: F405
