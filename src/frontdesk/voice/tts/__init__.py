"""Text to speech providers: `local` (a Piper voice on onnxruntime, phonemes from espeak-ng),
`espeak` (the espeak-ng program alone), `elevenlabs`, `cartesia`, `openai`."""
