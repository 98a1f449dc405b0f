public enum AllRules {}
