"""diaryflow: turns a FlowUs diary into scheduled AI-written reports."""

__version__ = "0.1.0"
