"""Simulated phones: apps, push tokens, the notification centre, and the hub that routes deliveries to them."""
