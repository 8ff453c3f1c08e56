"""What text may ride inside a Dial option: shared by the call path and the settings check."""

from __future__ import annotations

import re

# What a recording path may not hold on its way to MixMonitor: Dial splits its data on ","
# and ends the U() option at ")", U() turns "^" into ",", Gosub splits its arguments on ",",
# and Dial's option parser eats quotes and backslashes; "$" would be expanded in the dialplan.
UNSAFE_IN_DIAL_OPTION = re.compile(r'[,^()$"\\]')


def passes_dial_option(path: str) -> bool:
    """Whether ``path`` reaches MixMonitor unchanged as an argument of Dial's ``U()``."""
    return UNSAFE_IN_DIAL_OPTION.search(path) is None
