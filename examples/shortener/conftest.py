"""The example's tests run on the fakestash pytest plugin: no Upstash account needed."""
