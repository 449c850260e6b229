"""Apache Beam jobs: `score_gallery` scores millions of gallery images offline, locally or on Dataflow."""
