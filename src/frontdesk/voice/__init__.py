"""The real-time voice pipeline: transports, VAD, turn detection, STT, the engine, TTS, playout."""
