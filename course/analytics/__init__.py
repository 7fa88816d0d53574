"""Analytics for admins: how learners move through each module, from aggregate SQL."""
