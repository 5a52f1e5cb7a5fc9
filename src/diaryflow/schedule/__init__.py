"""When runs happen: fire times, the serve daemon, child processes, notices and deployment."""
