package io.github.prefectecs.agent.prefect.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import graphql.GraphQLContext;
import graphql.execution.CoercedVariables;
import graphql.language.ArrayValue;
import graphql.language.BooleanValue;
import graphql.language.EnumValue;
import graphql.language.FloatValue;
import graphql.language.IntValue;
import graphql.language.NullValue;
import graphql.language.ObjectField;
import graphql.language.ObjectValue;
import graphql.language.StringValue;
import graphql.language.Value;
import graphql.language.VariableReference;
import graphql.schema.Coercing;
import graphql.schema.CoercingParseLiteralException;
import graphql.schema.CoercingParseValueException;
import graphql.schema.GraphQLScalarType;
import io.github.prefectecs.agent.prefect.PrefectStates;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * The seven custom scalars of the schema subset. Internally: UUIDs are lower-case strings, times
 * are {@link Instant}s, intervals {@link Duration}s, JSON is a Jackson {@link JsonNode}. Inline
 * object literals work for {@code jsonb} (Hasura) but not for {@code JSON}, which wants a string
 * holding JSON text (Ariadne).
 */
final class ServerScalars {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ServerScalars() {}

  static List<GraphQLScalarType> all() {
    return List.of(
        scalar("UUID", ServerScalars::uuid),
        scalar("uuid", ServerScalars::hasuraUuid),
        scalar("DateTime", ServerScalars::time),
        scalar("timestamptz", ServerScalars::time),
        scalar("interval", PgInterval::parse),
        json("JSON", true),
        json("jsonb", false));
  }

  /** Canonical lower-case UUID, or the Python service's error. */
  static String uuid(Object value) {
    try {
      return UUID.fromString(String.valueOf(value)).toString();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Could not parse UUID: " + value);
    }
  }

  private static String hasuraUuid(Object value) {
    try {
      return UUID.fromString(String.valueOf(value)).toString();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid input syntax for type uuid: \"" + value + "\"");
    }
  }

  static Instant time(Object value) {
    if (value instanceof Instant instant) {
      return instant;
    }
    return PrefectStates.parseInstant(String.valueOf(value))
        .orElseThrow(() -> new IllegalArgumentException("Could not parse date and time: " + value));
  }

  private static GraphQLScalarType scalar(String name, Function<Object, Object> parse) {
    Coercing<Object, Object> coercing =
        new Coercing<>() {
          @Override
          public Object serialize(Object result, GraphQLContext context, Locale locale) {
            if (result instanceof Duration duration) {
              return PgInterval.format(duration);
            }
            return result instanceof Instant instant ? PrefectStates.format(instant) : result;
          }

          @Override
          public Object parseValue(Object input, GraphQLContext context, Locale locale) {
            try {
              return parse.apply(input);
            } catch (IllegalArgumentException e) {
              throw new CoercingParseValueException(e.getMessage());
            }
          }

          @Override
          public Object parseLiteral(
              Value<?> input, CoercedVariables variables, GraphQLContext context, Locale locale) {
            if (!(input instanceof StringValue text)) {
              throw new CoercingParseLiteralException(name + " literal must be a string");
            }
            try {
              return parse.apply(text.getValue());
            } catch (IllegalArgumentException e) {
              throw new CoercingParseLiteralException(e.getMessage());
            }
          }
        };
    return GraphQLScalarType.newScalar().name(name).coercing(coercing).build();
  }

  private static GraphQLScalarType json(String name, boolean literalMustBeText) {
    Coercing<Object, Object> coercing =
        new Coercing<>() {
          @Override
          public Object serialize(Object result, GraphQLContext context, Locale locale) {
            return result;
          }

          @Override
          public Object parseValue(Object input, GraphQLContext context, Locale locale) {
            return MAPPER.valueToTree(input);
          }

          @Override
          public Object parseLiteral(
              Value<?> input, CoercedVariables variables, GraphQLContext context, Locale locale) {
            if (literalMustBeText) {
              if (!(input instanceof StringValue text)) {
                throw new CoercingParseLiteralException(
                    name + " literal must be a string holding JSON text");
              }
              try {
                return MAPPER.readTree(text.getValue());
              } catch (java.io.IOException e) {
                throw new CoercingParseLiteralException("invalid JSON text: " + e.getMessage());
              }
            }
            return MAPPER.valueToTree(literal(input, variables));
          }
        };
    return GraphQLScalarType.newScalar().name(name).coercing(coercing).build();
  }

  private static Object literal(Value<?> value, CoercedVariables variables) {
    if (value instanceof StringValue v) {
      return v.getValue();
    } else if (value instanceof IntValue v) {
      return v.getValue();
    } else if (value instanceof FloatValue v) {
      return v.getValue();
    } else if (value instanceof BooleanValue v) {
      return v.isValue();
    } else if (value instanceof EnumValue v) {
      return v.getName();
    } else if (value instanceof NullValue) {
      return null;
    } else if (value instanceof VariableReference v) {
      return variables.get(v.getName());
    } else if (value instanceof ArrayValue v) {
      List<Object> list = new ArrayList<>();
      v.getValues().forEach(item -> list.add(literal(item, variables)));
      return list;
    } else if (value instanceof ObjectValue v) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (ObjectField field : v.getObjectFields()) {
        map.put(field.getName(), literal(field.getValue(), variables));
      }
      return map;
    }
    throw new CoercingParseLiteralException("unsupported literal " + value);
  }
}
