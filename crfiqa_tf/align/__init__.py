"""Face detection (BlazeFace + Face Mesh on LiteRT by default, MTCNN as an alternative) and the 5-point similarity
alignment onto the 112×112 ArcFace template."""
