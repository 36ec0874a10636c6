"""`make demo`: scenarios from the seeds, driven across the running services over the bus."""
