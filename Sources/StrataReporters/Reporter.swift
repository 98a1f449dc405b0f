public enum Reporters {}
