import sys

from catalyst_tui.cli import main

sys.exit(main())
