"""Where the numbers come from: indexes, action items, carry-over, metrics, delivery (DORA), charts, the calendar, the digest, exports."""
