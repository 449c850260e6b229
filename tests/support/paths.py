"""Where the tests find the repository, their own fixture files and the shared data beside the checkout, whatever
folder a test file sits in."""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")  # files a test reads as they are (models saved by older versions)
SHARED_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")  # LFW people and matchers, where present
