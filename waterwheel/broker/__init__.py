"""Messages between the API, the schedulers and the workers."""
