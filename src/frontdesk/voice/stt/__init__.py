"""Speech to text providers: `local` (Whisper on CTranslate2), `deepgram`, `openai`."""
