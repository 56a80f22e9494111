"""Settings for the test suite: the real settings, with a throwaway key and data directory."""

import os
import tempfile

os.environ.setdefault("ZHILI_SECRET_KEY", "test-only-key-" + "x" * 40)
os.environ.setdefault("ZHILI_DATA_DIR", tempfile.mkdtemp(prefix="zhili-test-"))

from zhili.settings import *  # noqa: F403

ALLOWED_HOSTS = ["*"]
# Argon2 stays the production hasher; tests use a fast one so that hundreds of logins stay quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405
