"""Entry point for ``python -m diaryflow``."""

from diaryflow.cli import main

raise SystemExit(main())
