"""Entry point for ``python -m diaryflow``."""

from diaryflow.cli.main import main

raise SystemExit(main())
