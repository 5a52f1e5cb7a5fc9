"""When runs happen: fire times, the serve daemon, child processes, notices and deployment."""

from diaryflow.schedule.daemon import serve

__all__ = ["serve"]
